import { Code } from "@connectrpc/connect";
import { useMutation } from "@connectrpc/connect-query";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { type FormEvent, useRef, useState } from "react";
import { useApp } from "../app/context.js";
import { navigatePath } from "../app/router.js";
import { describeError, onField } from "../lib/errors.js";
import type { SignedOutReason } from "../lib/session-manager.js";
import { toStoredSession } from "../lib/stored-session.js";
import { Field, FormError, SubmitButton, useFormErrors } from "./field.js";
import { Logo } from "./logo.js";

const REGISTER_HINTS = {
  "username:string.pattern":
    "Use letters, digits, “_”, “.” and “-”, starting with a letter or digit.",
};

/** Sign in or create an account; says so when the previous session expired. */
type Mode = "sign-in" | "register" | "forgot";

const HEADINGS: Record<Mode, string> = {
  "sign-in": "Sign in",
  register: "Create your account",
  forgot: "Reset your password",
};

export function AuthScreen({ reason }: { reason: SignedOutReason }) {
  const [mode, setMode] = useState<Mode>("sign-in");
  const heading = useRef<HTMLHeadingElement>(null);
  const switchTo = (next: Mode) => {
    setMode(next);
    requestAnimationFrame(() => heading.current?.focus());
  };
  return (
    <div className="auth-page">
      <main className="auth-card" aria-labelledby="auth-heading">
        <div className="brand">
          <Logo />
          <span className="brand-name">Parley</span>
        </div>
        <h1 id="auth-heading" ref={heading} tabIndex={-1}>
          {HEADINGS[mode]}
        </h1>
        {reason === "expired" && (
          <p className="notice" role="alert">
            Your session expired, please sign in again
          </p>
        )}
        {reason === "password-changed" && mode === "sign-in" && (
          <output className="notice success">
            Your password was changed. Sign in with the new one.
          </output>
        )}
        {mode === "sign-in" && <SignInForm onForgot={() => switchTo("forgot")} />}
        {mode === "register" && <RegisterForm />}
        {mode === "forgot" && <ForgotForm />}
        <p className="auth-switch">
          {mode === "sign-in" ? (
            <>
              New to Parley?{" "}
              <button type="button" className="link" onClick={() => switchTo("register")}>
                Create an account
              </button>
            </>
          ) : mode === "forgot" ? (
            <button type="button" className="link" onClick={() => switchTo("sign-in")}>
              Back to sign in
            </button>
          ) : (
            <>
              Already have an account?{" "}
              <button type="button" className="link" onClick={() => switchTo("sign-in")}>
                Sign in
              </button>
            </>
          )}
        </p>
      </main>
    </div>
  );
}

function SignInForm({ onForgot }: { onForgot: () => void }) {
  const { session } = useApp();
  const { form, errors, setErrors } = useFormErrors();
  const login = useMutation(AuthService.method.login, {
    onSuccess: (res) => {
      if (res.session) session.signIn(toStoredSession(res.session, Date.now()));
    },
    onError: (err) => setErrors(describeError(err)),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setErrors(undefined);
    login.mutate({ login: String(data.get("login")), password: String(data.get("password")) });
  };
  return (
    <form ref={form} onSubmit={submit} noValidate aria-describedby="sign-in-error">
      <Field
        label="Username or email"
        name="login"
        autoComplete="username"
        autoFocus
        error={errors?.fields.login}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        error={errors?.fields.password}
      />
      <FormError id="sign-in-error" errors={errors} />
      <SubmitButton pending={login.isPending} busy="Signing in…" wide>
        Sign in
      </SubmitButton>
      <p className="auth-forgot">
        <button type="button" className="link" onClick={onForgot}>
          Forgot your password?
        </button>
      </p>
    </form>
  );
}

function RegisterForm() {
  const { session } = useApp();
  const { form, errors, setErrors } = useFormErrors();
  const register = useMutation(AuthService.method.register, {
    onSuccess: (res) => {
      if (res.session) session.signIn(toStoredSession(res.session, Date.now()));
    },
    onError: (err) => {
      const described = describeError(err, REGISTER_HINTS);
      // "already exists" names the field in words: put it next to that field.
      if (described.code === Code.AlreadyExists) {
        const field = /email/i.test(described.message) ? "email" : "username";
        setErrors(onField(described, field));
      } else {
        setErrors(described);
      }
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setErrors(undefined);
    register.mutate({
      username: String(data.get("username")).trim(),
      displayName: String(data.get("displayName")).trim(),
      email: String(data.get("email")).trim(),
      password: String(data.get("password")),
    });
  };
  return (
    <form ref={form} onSubmit={submit} noValidate aria-describedby="register-error">
      <Field
        label="Username"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        autoFocus
        hint="3–32 characters: letters, digits, “_”, “.” and “-”."
        error={errors?.fields.username}
      />
      <Field
        label={
          <>
            Display name <span className="optional">(optional)</span>
          </>
        }
        name="displayName"
        autoComplete="name"
        error={errors?.fields.display_name}
      />
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        hint="Only used to reset your password."
        error={errors?.fields.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters."
        error={errors?.fields.password}
      />
      <FormError id="register-error" errors={errors} />
      <SubmitButton pending={register.isPending} busy="Creating account…" wide>
        Create account
      </SubmitButton>
    </form>
  );
}

/** Asks for a reset link; says the same whether or not the address has an account. */
function ForgotForm() {
  const { form, errors, setErrors } = useFormErrors();
  const [sentTo, setSentTo] = useState("");
  const request = useMutation(AuthService.method.requestPasswordReset, {
    onError: (err) => setErrors(describeError(err)),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get("email")).trim();
    setErrors(undefined);
    setSentTo("");
    request.mutate({ email }, { onSuccess: () => setSentTo(email) });
  };
  return (
    <form ref={form} onSubmit={submit} noValidate aria-describedby="forgot-error">
      <p className="auth-lead">
        Enter your account’s email address and we’ll send you a link to choose a new password.
      </p>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        autoFocus
        error={errors?.fields.email}
      />
      <FormError id="forgot-error" errors={errors} />
      <output className="notice success" hidden={!sentTo}>
        {sentTo && `If ${sentTo} belongs to an account, a reset link is on its way.`}
      </output>
      <SubmitButton pending={request.isPending} busy="Sending…" wide>
        Send reset link
      </SubmitButton>
    </form>
  );
}

/** The page the reset mail links to (`/reset-password?token=…`): choose a new password. */
export function ResetPasswordScreen() {
  const { session } = useApp();
  const { form, errors, setErrors } = useFormErrors();
  const token = new URLSearchParams(window.location.search).get("token") ?? "";
  const reset = useMutation(AuthService.method.resetPassword, {
    onSuccess: () => {
      // Every session of the account ended, this one too.
      session.signOut("password-changed");
      navigatePath("/", true);
    },
    onError: (err) => {
      const described = describeError(err);
      setErrors({
        ...described,
        fields: described.fields.new_password ? { password: described.fields.new_password } : {},
      });
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setErrors(undefined);
    reset.mutate({ token, newPassword: String(new FormData(e.currentTarget).get("password")) });
  };
  return (
    <div className="auth-page">
      <main className="auth-card" aria-labelledby="reset-heading">
        <div className="brand">
          <Logo />
          <span className="brand-name">Parley</span>
        </div>
        <h1 id="reset-heading">Choose a new password</h1>
        <form ref={form} onSubmit={submit} noValidate aria-describedby="reset-error">
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            autoFocus
            hint="At least 8 characters. You will be signed out everywhere."
            error={errors?.fields.password}
          />
          <FormError id="reset-error" errors={errors} />
          <SubmitButton pending={reset.isPending} busy="Saving…" wide disabled={!token}>
            Set new password
          </SubmitButton>
        </form>
        <p className="auth-switch">
          <button type="button" className="link" onClick={() => navigatePath("/", true)}>
            Back to sign in
          </button>
        </p>
      </main>
    </div>
  );
}
