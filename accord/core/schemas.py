from ninja import Schema


class ErrorDetail(Schema):
    field: str
    message: str


class Error(Schema):
    message: str
    errors: list[ErrorDetail] = []
