"""`python -m app.cli`, as the `cop-api` console script."""

from app.cli import main

main()
