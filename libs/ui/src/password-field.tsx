'use client';
import { PasswordInput, type PasswordInputProps } from '@mantine/core';

/**
 * Mantine's PasswordInput marks an error with data-invalid only; screen readers need aria-invalid on
 * the input itself (TextInput sets it, PasswordInput does not). Every password field uses this one.
 */
export function PasswordField(props: PasswordInputProps) {
  return <PasswordInput {...props} aria-invalid={props.error ? true : undefined} />;
}
