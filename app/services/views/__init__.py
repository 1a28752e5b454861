"""The same people seen as a network and as a community, and the diagnosis that sets the
two side by side (Wenger, Trayner and de Laat, 2011)."""
