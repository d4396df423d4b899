"""The OpenAPI page at ``/docs``, its Swagger UI assets served from the installed bundle."""
