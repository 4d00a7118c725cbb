"""web-interface: server-rendered public site reading the platform through the api only."""
