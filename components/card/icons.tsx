/** Small inline icons for the card's buttons: decorative only, the buttons carry the names. */

const svg = (d: string) =>
  function Icon() {
    return (
      <svg class="bs-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
        <path fill="currentColor" d={d} />
      </svg>
    );
  };

export const CloseIcon = svg(
  'M3.7 2.3 8 6.6l4.3-4.3 1.4 1.4L9.4 8l4.3 4.3-1.4 1.4L8 9.4l-4.3 4.3-1.4-1.4L6.6 8 2.3 3.7z',
);
export const BackIcon = svg('M7.4 2.6 8.8 4l-3 3H14v2H5.8l3 3-1.4 1.4L2 8z');
export const PinIcon = svg(
  'M10.3 1.3 14.7 5.7 13.3 7.1 12.6 6.4 10 9l.3 3.3-1.4 1.4-2.8-2.8-3.3 3.3-1.4-.1-.1-1.4 3.3-3.3L1.8 6.6 3.2 5.2 6.5 5.5 9.1 2.9 8.4 2.2z',
);
