import { createTheme, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';

// One brand colour (an anycast "reach" blue) and Inter, self-hosted from @fontsource (no font CDN:
// the portal works offline and leaks no visitor IPs to a font host).
const brand: MantineColorsTuple = ['#e8f3ff', '#d1e3fc', '#a2c4f4', '#70a4ed', '#4788e7', '#2e77e4', '#1f6ee3', '#0f5dca', '#0052b6', '#0047a1'];

export const anyfrontTheme = createTheme({
  primaryColor: 'brand',
  colors: { brand },
  primaryShade: 7,
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", sans-serif',
  fontFamilyMonospace: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
  headings: { fontFamily: 'Inter, system-ui, sans-serif', fontWeight: '650' },
  defaultRadius: 'md',
  components: {
    Card: { defaultProps: { withBorder: true, radius: 'md', padding: 'lg' } },
    Button: { defaultProps: { radius: 'md' } },
    // Light alerts colour their title with shade 6 (below 4.5:1 on the tinted background): ink instead.
    Alert: { styles: { title: { color: 'var(--mantine-color-text)' } } },
  },
});

/**
 * Mantine's "dimmed" text (gray 6) and error text (red 6) are below WCAG AA's 4.5:1 on white; gray 7 and red 8
 * keeps the hierarchy and passes (axe's color-contrast rule runs on every page in the browser tests).
 */
export const anyfrontCssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-placeholder': 'var(--mantine-color-gray-6)', '--mantine-color-error': 'var(--mantine-color-red-8)' },
  dark: {},
});
