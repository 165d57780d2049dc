"""POP3 client on asyncio streams."""
