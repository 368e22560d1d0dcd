"""HTTP routes: thin, each calls a service."""
