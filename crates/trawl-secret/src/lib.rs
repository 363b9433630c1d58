//! Secret detection rules and scanner.
