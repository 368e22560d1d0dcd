"""Business logic. Takes and returns core values and API schemas; owns transactions."""
