"""The HTTP service: ``service.app.create_app(settings)`` builds it."""
