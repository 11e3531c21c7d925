import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { CreatePriceBookEntryDto, PriceBookDto, PriceBookEntryDto } from './price-book.dto';
import { PriceBookService } from './price-book.service';

@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/price-book')
export class PriceBookController {
  constructor(private readonly priceBook: PriceBookService) {}

  @Get()
  @ApiSummary('Get the price book', 'Every version with the instant it takes effect, and the version in force now.')
  @ApiOkResponse({ type: PriceBookDto })
  get(): Promise<PriceBookDto> {
    return this.priceBook.get();
  }

  @Post()
  @ApiSummary(
    'Add a price-book version',
    'The new version applies from `effective_from` (a whole UTC hour in the future) until the next one; earlier versions never change. Prices that do not divide exactly into per-second (addresses) or per-byte (traffic) unit prices are refused with the nearest exact values.',
  )
  @ApiProblems(400)
  @ApiCreatedResponse({ type: PriceBookEntryDto })
  add(@Body() dto: CreatePriceBookEntryDto, @CurrentPrincipal() p: Principal): Promise<PriceBookEntryDto> {
    return this.priceBook.add(dto, p);
  }
}
