import { loginBackoffSeconds } from './login-throttle';

describe('loginBackoffSeconds', () => {
  it('is free up to the allowed failures, then doubles from 15 s up to the maximum', () => {
    expect([1, 2, 3, 4].map((n) => loginBackoffSeconds(n, 5, 900))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8, 9, 10, 11].map((n) => loginBackoffSeconds(n, 5, 900))).toEqual([15, 30, 60, 120, 240, 480, 900]);
    expect(loginBackoffSeconds(10_000, 5, 900)).toBe(900);
  });
});
