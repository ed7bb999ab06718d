"""Validate a task message body against offload's JSON Schema (draft 2020-12).

    schema=$(node -p "require.resolve('@offload/contracts/task-payload.schema.json')")
    python3 validate_task.py "$schema" < message.json

Prints "valid", or one line per problem (the field's path, then what is wrong) and exits 1.
"""
import json
import sys

from jsonschema import Draft202012Validator


def problems(error):
    """The schema is a oneOf with one branch per task type: report the branch task_type chose."""
    if not error.context:
        return [error]
    other_types = {e.relative_schema_path[0] for e in error.context if list(e.absolute_path) == ["task_type"]}
    chosen = [e for e in error.context if e.relative_schema_path[0] not in other_types]
    if chosen:
        return chosen
    known = ", ".join(repr(e.validator_value) for e in error.context if e.validator == "const")
    return [f"task_type: {error.instance.get('task_type')!r} is not one of {known}"]


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    message = json.load(sys.stdin)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    lines = []
    for error in validator.iter_errors(message):
        for problem in problems(error):
            if isinstance(problem, str):
                line = problem
            else:
                line = f"{'.'.join(str(p) for p in problem.absolute_path) or '(message)'}: {problem.message}"
            if line not in lines:  # a problem common to every branch is reported once
                lines.append(line)
    if not lines:
        print("valid")
        return
    print("\n".join(lines))
    sys.exit(1)


if __name__ == "__main__":
    main()
