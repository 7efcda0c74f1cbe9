// Placeholder: the accounting core lands with issue 3.
public enum AccountingPlaceholder {}
