"""/api/barcodes: routes, schemas and glue over common/ services."""
