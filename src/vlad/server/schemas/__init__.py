"""API request and response schemas (pydantic), apart from contract models and tables."""
