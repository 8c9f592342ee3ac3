"""The Posko desk: the Qt program an outreach post runs, on the shared core ``posko``."""
