"""api-service: FastAPI app factory, one router per resource, pagination, errors, cache."""
