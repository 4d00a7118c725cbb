"""HTTP plumbing shared by the api and the web (a layer below both; imports nothing of theirs): the ASGI
middleware both stacks use and the uvicorn server with the graceful drain that runs either."""
