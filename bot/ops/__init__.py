"""Operations: the command line, the demo data, start-up checks."""
