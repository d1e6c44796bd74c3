"""Library agency news crawler: the shared library the site spiders and pipelines stand on."""
