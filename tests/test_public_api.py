"""The public import surface is pinned: removing a name is a breaking change."""

import intacct


def test_exports() -> None:
    assert sorted(intacct.__all__) == sorted(
        [
            "ClientConfig",
            "FieldModel",
            "HistoryHook",
            "IntacctClient",
            "ObjectModel",
            "Record",
            "RedactingFormatter",
            "Result",
            "RetryPolicy",
            "__version__",
            "errors",
            "fn",
            "is_applied",
            "q",
        ]
    )
    for name in intacct.__all__:
        assert getattr(intacct, name) is not None


def test_readme_example_names_exist() -> None:
    assert callable(intacct.q.equalto) and callable(intacct.q.Order)
    assert callable(intacct.fn.Query) and callable(intacct.fn.LegacyCreate)
