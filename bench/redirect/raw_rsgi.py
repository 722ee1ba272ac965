"""The smallest possible redirect on granian's own interface (RSGI): the ceiling of any Python app on granian."""


async def app(scope, protocol):
    protocol.response_empty(302, [("location", "https://shop.example.com/spring?utm_source=instagram")])
