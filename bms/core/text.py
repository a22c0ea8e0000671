"""Counts in words: "1 invoice", "2 invoices" — never "1 invoices" nor "invoice(s)"."""


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """`counted(1, "invoice")` → "1 invoice"; `counted(3, "entity", "entities")` → "3 entities"."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def counted_phrase(n: int, phrase: str) -> str:
    """A count before a phrase whose first plural word is the counted noun, as sync outcomes name
    theirs ("accounts added", "tax rates updated", "invoices brought up to date"): that word is
    made singular for 1 ("1 account added", "1 tax rate updated")."""
    if n != 1:
        return f"{n} {phrase}"
    words = phrase.split(" ")
    for index, word in enumerate(words):
        if word.endswith("ies"):
            words[index] = word[:-3] + "y"
            break
        if word.endswith("s") and not word.endswith("ss"):
            words[index] = word[:-1]
            break
    return f"1 {' '.join(words)}"
