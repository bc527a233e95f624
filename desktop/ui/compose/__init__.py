"""The composer: pick accounts, write once, tailor per network, preview, schedule."""
