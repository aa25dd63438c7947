"""Threadr's web door: the aiohttp app (API v1, SSE streaming, OpenAPI) and the web page."""
