"""The project's own web pieces, on aiohttp: the chat page and (later) the staff pages."""
