/**
 * Where a PoP is, from its code. The API names PoPs by short codes (IATA city or metro codes by
 * convention: ams, nyc, fra, ...) without coordinates; the map places the codes it knows and lists
 * the others beside it. A PoP code outside this table is not an error.
 */
export const POP_LOCATIONS: Record<string, { city: string; lat: number; lon: number }> = {
  ams: { city: 'Amsterdam', lat: 52.37, lon: 4.9 },
  fra: { city: 'Frankfurt', lat: 50.11, lon: 8.68 },
  lon: { city: 'London', lat: 51.51, lon: -0.13 }, lhr: { city: 'London', lat: 51.47, lon: -0.45 },
  par: { city: 'Paris', lat: 48.86, lon: 2.35 }, cdg: { city: 'Paris', lat: 49.01, lon: 2.55 },
  mad: { city: 'Madrid', lat: 40.42, lon: -3.7 }, mil: { city: 'Milan', lat: 45.46, lon: 9.19 },
  sto: { city: 'Stockholm', lat: 59.33, lon: 18.07 }, waw: { city: 'Warsaw', lat: 52.23, lon: 21.01 },
  nyc: { city: 'New York', lat: 40.71, lon: -74.01 }, jfk: { city: 'New York', lat: 40.64, lon: -73.78 },
  iad: { city: 'Ashburn', lat: 39.04, lon: -77.49 }, was: { city: 'Washington', lat: 38.9, lon: -77.04 },
  ord: { city: 'Chicago', lat: 41.88, lon: -87.63 }, chi: { city: 'Chicago', lat: 41.88, lon: -87.63 },
  dfw: { city: 'Dallas', lat: 32.78, lon: -96.8 }, mia: { city: 'Miami', lat: 25.76, lon: -80.19 },
  sea: { city: 'Seattle', lat: 47.61, lon: -122.33 }, sfo: { city: 'San Francisco', lat: 37.77, lon: -122.42 },
  sjc: { city: 'San Jose', lat: 37.34, lon: -121.89 }, lax: { city: 'Los Angeles', lat: 34.05, lon: -118.24 },
  yyz: { city: 'Toronto', lat: 43.65, lon: -79.38 }, gru: { city: 'São Paulo', lat: -23.55, lon: -46.63 },
  scl: { city: 'Santiago', lat: -33.45, lon: -70.67 }, jnb: { city: 'Johannesburg', lat: -26.2, lon: 28.05 },
  dxb: { city: 'Dubai', lat: 25.2, lon: 55.27 }, bom: { city: 'Mumbai', lat: 19.08, lon: 72.88 },
  sin: { city: 'Singapore', lat: 1.35, lon: 103.82 }, hkg: { city: 'Hong Kong', lat: 22.32, lon: 114.17 },
  nrt: { city: 'Tokyo', lat: 35.68, lon: 139.69 }, tyo: { city: 'Tokyo', lat: 35.68, lon: 139.69 },
  icn: { city: 'Seoul', lat: 37.57, lon: 126.98 }, syd: { city: 'Sydney', lat: -33.87, lon: 151.21 },
};

export function popLocation(code: string): { city: string; lat: number; lon: number } | undefined {
  return POP_LOCATIONS[code.toLowerCase()];
}
