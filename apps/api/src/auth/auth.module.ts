import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { CredentialsService } from './credentials.service';

@Module({
  controllers: [AuthController, ApiKeysController],
  providers: [AuthService, CredentialsService],
  exports: [CredentialsService],
})
export class AuthModule {}
