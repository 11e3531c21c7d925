import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config';
import { CredentialsService } from './credentials.service';

describe('CredentialsService.fromApiKey', () => {
  it('answers bearer tokens that are not API keys (edge-node credentials) without a database query', async () => {
    const query = jest.fn(async () => []);
    const svc = new CredentialsService({ manager: { query } } as unknown as DataSource, {} as AppConfig);
    expect(await svc.fromApiKey('afn_node-credential')).toBeNull();
    expect(await svc.fromApiKey('garbage')).toBeNull();
    expect(query).not.toHaveBeenCalled();
    expect(await svc.fromApiKey('afk_unknown-key')).toBeNull();
    expect(query).toHaveBeenCalledTimes(1);
  });
});
