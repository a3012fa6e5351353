/** Small stroke icons (decorative: every button using one has its own label). */
function Icon({ d, size = 18 }: { d: string; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={d} />
    </svg>
  );
}

export const PlusIcon = () => <Icon d="M12 5v14M5 12h14" />;
export const SearchIcon = () => <Icon d="M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5" />;
export const SendIcon = () => <Icon d="M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z" />;
export const SmileIcon = () => (
  <Icon d="M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM8 14s1.5 2 4 2 4-2 4-2M9 9h.01M15 9h.01" />
);
export const ReplyIcon = () => <Icon d="M9 17 4 12l5-5M20 18v-2a4 4 0 0 0-4-4H4" />;
export const EditIcon = () => (
  <Icon d="M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4 12.5-12.5z" />
);
export const TrashIcon = () => (
  <Icon d="M3 6h18M8 6V4h8v2M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6" />
);
export const CloseIcon = () => <Icon d="M18 6 6 18M6 6l12 12" />;
export const BackIcon = () => <Icon d="M15 18l-6-6 6-6" />;
export const HashIcon = ({ size = 16 }: { size?: number }) => (
  <Icon size={size} d="M4 9h16M4 15h16M10 3 8 21M16 3l-2 18" />
);
export const LockIcon = ({ size = 16 }: { size?: number }) => (
  <Icon size={size} d="M5 11h14v10H5zM8 11V7a4 4 0 0 1 8 0v4" />
);
export const UsersIcon = () => (
  <Icon d="M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM23 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8" />
);
