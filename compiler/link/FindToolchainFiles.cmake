# Placeholder: discovers crt files (filled in with the linker work).
