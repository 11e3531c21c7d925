import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { CookieOptions, Request, Response } from 'express';
import { ApiCredential, ApiProblems, ApiPublic, ApiSummary } from '../common/openapi';
import { AppConfig } from '../config';
import { CreateOrganizationDto, LoginDto, MeDto, MyOrganizationDto, MyOrganizationsDto, SignupDto, SwitchOrganizationDto } from './auth.dto';
import { AuthService } from './auth.service';
import { CurrentPrincipal, Public } from './decorators';
import type { Principal } from './principal';
import { SignupLimiter } from './signup-limiter';

@ApiTags('auth')
@Controller('v1')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    private readonly signupLimiter: SignupLimiter,
  ) {}

  @Public()
  @ApiPublic()
  @Post('auth/signup')
  @ApiSummary('Sign up: create an account and its organization, and log in', 'Sets the session cookie.')
  @ApiProblems(400, 409)
  @ApiCreatedResponse({ type: MeDto, description: 'Account and organization created; the session cookie is set. At most SIGNUP_LIMIT_PER_HOUR / _PER_DAY per client address (429).' })
  async signup(@Body() dto: SignupDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<MeDto> {
    const release = await this.signupLimiter.take(req.ip);
    let created: Awaited<ReturnType<AuthService['signup']>>;
    try {
      created = await this.auth.signup(dto);
    } catch (err) {
      await release(); // a signup that created nothing does not count
      throw err;
    }
    const { token, me } = created;
    res.cookie(this.config.sessionCookieName, token, this.cookieOptions());
    return me;
  }

  @Public()
  @ApiPublic()
  @Post('auth/login')
  @HttpCode(200)
  @ApiSummary('Log in with email and password', 'Sets the session cookie.')
  @ApiProblems(400, 401, 403)
  @ApiOkResponse({ type: MeDto, description: 'Logged in; the session cookie is set.' })
  async login(@Body() dto: LoginDto, @Res({ passthrough: true }) res: Response): Promise<MeDto> {
    const { token, me } = await this.auth.login(dto);
    res.cookie(this.config.sessionCookieName, token, this.cookieOptions());
    return me;
  }

  @Public()
  @ApiPublic()
  @Post('auth/logout')
  @HttpCode(204)
  @ApiSummary('Log out: end the session and clear its cookie')
  @ApiNoContentResponse({ description: 'Session ended (also when there was none).' })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout((req.cookies as Record<string, string> | undefined)?.[this.config.sessionCookieName]);
    const { maxAge: _maxAge, ...opts } = this.cookieOptions();
    res.clearCookie(this.config.sessionCookieName, opts);
  }

  @Get('me/organizations')
  @ApiCredential()
  @ApiSummary('List the organizations this account belongs to', 'With an API key: its own organization.')
  @ApiOkResponse({ type: MyOrganizationsDto })
  organizations(@CurrentPrincipal() principal: Principal): Promise<MyOrganizationsDto> {
    return this.auth.organizations(principal);
  }

  @Post('organizations')
  @ApiCredential()
  @ApiSummary('Create another organization owned by the logged-in account', 'Sessions only; at most ORGANIZATIONS_PER_ACCOUNT owned (403 quota-exceeded). Switch to it with POST /v1/auth/switch-organization.')
  @ApiProblems(400, 403)
  @ApiCreatedResponse({ type: MyOrganizationDto })
  createOrganization(@Body() dto: CreateOrganizationDto, @CurrentPrincipal() principal: Principal): Promise<MyOrganizationDto> {
    return this.auth.createOrganization(principal, dto.name);
  }

  @Post('auth/switch-organization')
  @HttpCode(200)
  @ApiCredential()
  @ApiSummary('Act for another organization of this account in this session', 'Sessions only.')
  @ApiProblems(400, 403, 404)
  @ApiOkResponse({ type: MeDto })
  switchOrganization(@Body() dto: SwitchOrganizationDto, @CurrentPrincipal() principal: Principal): Promise<MeDto> {
    return this.auth.switchOrganization(principal, dto.organization_id);
  }

  @Get('me')
  @ApiCredential()
  @ApiSummary('Who am I: the user, organization, role and credential of this request')
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): Promise<MeDto> {
    return this.auth.me(principal);
  }

  private cookieOptions(): CookieOptions {
    return {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.sessionCookieSecure,
      path: '/',
      maxAge: this.config.sessionTtlHours * 3600_000,
    };
  }
}
