"""The smallest possible ASGI redirect: the ceiling of a Python ASGI app on granian (no work at all)."""


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 302,
                "headers": [(b"location", b"https://shop.example.com/spring?utm_source=instagram"),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
