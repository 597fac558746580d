"""/api/payments: routes, schemas and glue over common/ services."""
