import {
  type InputHTMLAttributes,
  type ReactNode,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";
import type { ErrorDescription } from "../lib/errors.js";

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  readonly label: ReactNode;
  /** What is wrong with the value (shown under the field, read with it). */
  readonly error?: string | undefined;
  /** A standing hint such as the rules for the value. */
  readonly hint?: string | undefined;
}

/** A labelled input whose error and hint are tied to it for screen readers. */
export function Field({ label, error, hint, className, ...input }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint && !error ? hintId : "", error ? errorId : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div className={`field${className ? ` ${className}` : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint && !error && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** Moves focus to the first field marked invalid inside `form` (after a failed submit). */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  const invalid = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  invalid?.focus();
}

/**
 * A form's failure as described by describeError, and a ref for the form: when an error marks
 * fields, focus moves to the first of them.
 */
export function useFormErrors() {
  const form = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<ErrorDescription>();
  useEffect(() => {
    if (errors && Object.keys(errors.fields).length > 0) focusFirstInvalid(form.current);
  }, [errors]);
  return { form, errors, setErrors };
}

/**
 * The form-wide error (announced when it appears). Shown only when there is a message: an error
 * that belongs to a field (see onField) is shown next to that field alone.
 */
export function FormError({ id, errors }: { id: string; errors: ErrorDescription | undefined }) {
  return (
    <div id={id} role="alert" className={errors?.message ? "form-error" : "form-error empty"}>
      {errors?.message}
    </div>
  );
}

/** A form's primary button: disabled while the call is pending, and says what it is doing. */
export function SubmitButton({
  pending,
  busy,
  wide = false,
  disabled = false,
  children,
}: {
  pending: boolean;
  /** The label while pending, e.g. "Saving…". */
  busy: string;
  wide?: boolean;
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <button
      type="submit"
      className={wide ? "primary wide" : "primary"}
      disabled={pending || disabled}
    >
      {pending ? busy : children}
    </button>
  );
}
