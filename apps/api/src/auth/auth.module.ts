import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { CredentialsService } from './credentials.service';
import { MembersController } from './members.controller';

@Module({
  controllers: [AuthController, ApiKeysController, MembersController],
  providers: [AuthService, CredentialsService],
  exports: [CredentialsService],
})
export class AuthModule {}
