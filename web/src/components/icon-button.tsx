import type { ComponentPropsWithRef, ReactNode } from "react";

type IconButtonProps = Omit<ComponentPropsWithRef<"button">, "type" | "aria-label" | "title"> & {
  /** The button's name for screen readers, and its tooltip unless `title` says otherwise. */
  readonly label: string;
  readonly title?: string;
  /** The icon (decorative: the icons in icons.tsx are aria-hidden). */
  readonly children: ReactNode;
};

/** A button that shows only an icon: named by `aria-label`, with a tooltip. */
export function IconButton({
  label,
  title = label,
  className,
  children,
  ...button
}: IconButtonProps) {
  return (
    <button
      type="button"
      className={className ? `icon-button ${className}` : "icon-button"}
      aria-label={label}
      title={title}
      {...button}
    >
      {children}
    </button>
  );
}
