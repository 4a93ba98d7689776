"""``python -m mooc_builder`` runs the ``mooc`` command."""

from mooc_builder.cli import main

if __name__ == "__main__":
    main()
