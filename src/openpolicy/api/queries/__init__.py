"""Query helpers of the /v1 routers (SQL building blocks and batched loaders)."""
