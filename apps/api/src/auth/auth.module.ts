import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { CredentialsService } from './credentials.service';
import { MembersController } from './members.controller';
import { SignupLimiter } from './signup-limiter';
import { LoginThrottle } from './login-throttle';
import { PasswordsController } from './passwords.controller';
import { PasswordsService } from './passwords.service';

@Module({
  controllers: [AuthController, ApiKeysController, MembersController, PasswordsController],
  providers: [AuthService, CredentialsService, SignupLimiter, LoginThrottle, PasswordsService],
  exports: [CredentialsService],
})
export class AuthModule {}
