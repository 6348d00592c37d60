from ganviz.cli import main

if __name__ == "__main__":  # the trainer's child process re-imports this file (spawn)
    raise SystemExit(main())
