import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { ApiCredential, ApiProblems, ApiPublic, ApiSummary } from '../common/openapi';
import { CurrentPrincipal, Public } from './decorators';
import { ChangePasswordDto, PasswordResetAcceptedDto, PasswordResetConfirmDto, PasswordResetRequestDto } from './passwords.dto';
import { PasswordsService } from './passwords.service';
import type { Principal } from './principal';

@ApiTags('auth')
@Controller('v1')
export class PasswordsController {
  constructor(private readonly passwords: PasswordsService) {}

  @Post('me/password')
  @HttpCode(204)
  @ApiCredential()
  @ApiSummary('Change your password', 'With a session (API keys have no password). Your other sessions end.')
  @ApiProblems(400, 403)
  @ApiNoContentResponse({ description: 'Changed; other sessions ended.' })
  async change(@Body() dto: ChangePasswordDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.passwords.change(p, dto.current_password, dto.new_password);
  }

  @Public()
  @ApiPublic()
  @Post('auth/password-reset')
  @HttpCode(202)
  @ApiSummary('Ask for a password reset token', 'Always 202, whether or not the account exists. The token is valid one hour, for one use.')
  @ApiProblems(400)
  @ApiAcceptedResponse({ type: PasswordResetAcceptedDto })
  async request(@Body() dto: PasswordResetRequestDto): Promise<PasswordResetAcceptedDto> {
    await this.passwords.requestReset(dto.email);
    return { message: 'If an account with this email exists, a reset token is on its way (valid one hour).' };
  }

  @Public()
  @ApiPublic()
  @Post('auth/password-reset/confirm')
  @HttpCode(204)
  @ApiSummary('Set a new password with a reset token', 'Every session of the account ends.')
  @ApiProblems(400)
  @ApiNoContentResponse({ description: 'Password set; log in with it.' })
  async confirm(@Body() dto: PasswordResetConfirmDto): Promise<void> {
    await this.passwords.confirmReset(dto.token, dto.new_password);
  }
}
