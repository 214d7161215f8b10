"""Schemathesis hooks for `npm run test:contract` (scripts/contract.ts sets SCHEMATHESIS_HOOKS).

A list's `cursor` is an opaque token the server issued for that very list (the position, signed
with the list's filter). A cursor a client makes up cannot be valid whatever its shape, so the
document can only say its alphabet and length; the server answers a well-formed cursor it did
not issue with 400 INVALID_CURSOR. Positive (schema-valid) cases therefore carry no invented
cursor: "valid data must be accepted" would otherwise fail on every list. Negative cases keep
theirs (a malformed cursor must be refused), and the gateway's vitest suites check that a real
cursor pages and a foreign one is INVALID_CURSOR.
"""

import schemathesis
from hypothesis.internal import lambda_sources
from schemathesis import GenerationMode

# CPython 3.11.7's ast module can raise SystemError ("AST constructor recursion depth mismatch")
# when it parses deep in the call stack. Hypothesis parses source only to describe a lambda in a
# message; that error once ended a whole run as a "Runtime Error". The description is all that
# is lost here: it becomes "<unknown>", as Hypothesis itself says when it cannot find the source.
_describe_lambda = lambda_sources._lambda_description


def _lambda_description(f, *args, **kwargs):
    try:
        return _describe_lambda(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _lambda_description


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return
    if isinstance(case.query, dict) and "cursor" in case.query:
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}


# Rules a JSON Schema cannot state, because they compare two values of one request or a value
# with the ledger's state. A schema-valid request that breaks one is refused with a 4xx and
# exactly this code (the registry gives its status), and with no other.
RULES_BEYOND_THE_SCHEMA = {
    # `from` after `to`: two parameters compared.
    "GET /api/v1/audit/usage": {"VALIDATION_FAILED"},
    "GET /api/v1/audit/usage.csv": {"VALIDATION_FAILED"},
    "GET /api/v1/audit/prov": {"VALIDATION_FAILED"},
    "GET /api/v1/audit/acts": {"VALIDATION_FAILED"},
    "GET /api/v1/audit/acts.csv": {"VALIDATION_FAILED"},
    "GET /api/v1/audit/acts/figures": {"VALIDATION_FAILED"},
    # The fields asked for must be fields of the catalog entry, the entry another department's
    # (the ledger's state), and the period's start not after its end (two values compared).
    "POST /api/v1/requests/": {"FIELD_NOT_IN_CATALOG", "INVALID_ARGUMENT"},
    # The fields an objection names must be fields of the catalog entry (the ledger's state).
    "POST /api/v1/objections/": {"FIELD_NOT_IN_CATALOG"},
    # A download's `fields` is a comma-separated list whose items must not repeat: a relation
    # between the items of one value, which a pattern cannot state.
    "GET /api/v1/catalog/{id}/versions/{version}/content": {"INVALID_ARGUMENT"},
    # The fields granted must be fields of the request being answered (the ledger's state).
    "POST /api/v1/requests/{id}/approve": {"INVALID_ARGUMENT"},
    # An entry's field names are unique, its subjectField names the field holding the data
    # subject's identifier exactly when some field needs consent, and those fields are of one
    # kind of subject: relations between the items of one array.
    "POST /api/v1/catalog/": {"INVALID_ARGUMENT"},
    "PUT /api/v1/catalog/{id}": {"INVALID_ARGUMENT"},
    # records=true anchors record by record, which needs the entry's format to be text/csv or
    # application/x-ndjson: a query parameter against the ledger's state (415). An upload's
    # Content-Type and bytes must be of the format its entry declares: a header and a body
    # against the ledger's state (415 MEDIA_TYPE_MISMATCH; 400 FORMAT_MISMATCH for malformed
    # records of that format).
    "POST /api/v1/catalog/{id}/versions": {
        "UNSUPPORTED_MEDIA_TYPE",
        "MEDIA_TYPE_MISMATCH",
        "FORMAT_MISMATCH",
    },
    # A revocation revokes the authorisation of its path (the path against the body); an
    # identifier is a valid 身份证号 or 统一社会信用代码 (USCC_INVALID: its check character) for the
    # kind of subject (one value against another); a query by subject needs an entry with consent fields, whose kind decides the
    # identifier's form (the ledger's state).
    "POST /api/v1/subjects/authorisations/{id}/revoke": {"VALIDATION_FAILED"},
    # An authorisation's validTo is after its validFrom (two values compared).
    "POST /api/v1/subjects/authorisations": {"INVALID_ARGUMENT"},
    "POST /api/v1/subjects/bindings": {"VALIDATION_FAILED", "USCC_INVALID"},
    "POST /api/v1/subjects/records": {"VALIDATION_FAILED", "USCC_INVALID"},
    # A delegation's validTo is after its validFrom (two values compared); a revocation revokes
    # the delegation of its path (the path against the body).
    "POST /api/v1/subjects/delegations": {"INVALID_ARGUMENT"},
    "POST /api/v1/subjects/delegations/{id}/revoke": {"VALIDATION_FAILED"},
    # A department's parent must not make it its own ancestor (the hierarchy on the ledger).
    "PATCH /api/v1/departments/{id}": {"INVALID_ARGUMENT"},
    # Holidays and make-up working days must fall in the year of the path.
    "PUT /api/v1/calendar/{year}": {"INVALID_ARGUMENT"},
}


# Sub-resources that creating their parent does not create. A catalog entry is created without
# an update requirement (one exists once POST /api/v1/catalog/{id}/require-update asks for a
# fix), so for a new entry GET .../update-requirement answers 404 with this code. The stateful
# phase infers a link from POST /api/v1/catalog/ to it and reads that 404 as "created resource
# not found" (ST302). A 404 with any other code (the entry itself missing) still fails.
NOT_CREATED_WITH_THEIR_PARENT = {
    "GET /api/v1/catalog/{id}/update-requirement": {"UPDATE_REQUIREMENT_NOT_FOUND"},
}


def _error_code(response):
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    kind = type(failure).__name__
    if kind == "EnsureResourceAvailability":
        allowed = NOT_CREATED_WITH_THEIR_PARENT.get(case.operation.label, set())
        return _error_code(response) not in allowed
    if kind != "RejectedPositiveData" or not 400 <= response.status_code < 500:
        return True
    allowed = RULES_BEYOND_THE_SCHEMA.get(case.operation.label, set())
    code = _error_code(response)
    return code is None or code not in allowed
