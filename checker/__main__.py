"""The bedrock-checker command, also run as `python -m checker`."""

from checker.startup import defer_collection


def main() -> None:
    defer_collection()  # before the command's modules are imported
    from checker.cli import main as run_command

    run_command()


if __name__ == "__main__":
    main()
