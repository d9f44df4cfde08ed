from .cli import entry

if __name__ == "__main__":  # not when a helper process (spawn) imports this module
    entry()
