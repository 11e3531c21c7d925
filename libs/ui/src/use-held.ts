'use client';
import { useRef } from 'react';

/**
 * The last non-null value: a dialog opened for `value` keeps its title and content while it fades
 * out after `value` went back to null (otherwise it closes as an unnamed, half-empty dialog).
 */
export function useHeld<T>(value: T | null): T | null {
  const held = useRef<T | null>(value);
  if (value !== null) held.current = value;
  return held.current;
}
