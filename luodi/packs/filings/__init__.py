"""Financial statements as data: line items of income statements, balance sheets and cash-flow statements."""
