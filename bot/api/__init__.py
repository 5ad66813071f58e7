"""What the JSON APIs (``/mp/v1``, ``/admin/v1``) share: errors as JSON, request and response models, OpenAPI."""
