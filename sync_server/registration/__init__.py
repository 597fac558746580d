"""Patient self-registration from the QR poster: the `/register/{token}` pages."""
