import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { CreateWaitInput, Wait } from './wait.type';

@Resolver(() => Wait)
export class WaitResolver {
  @Query(() => Wait, { nullable: true, description: 'A wait; with waitSeconds (≤ 60) it long-polls until the wait ends.' })
  wait(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('waitSeconds', () => Int, { defaultValue: 0 }) waitSeconds: number,
  ): Promise<Wait> {
    return ctx.services.waits.get(ctx.principal.ownerId, id, waitSeconds, ctx.signal, ctx.principal.keyId);
  }

  @Mutation(() => Wait)
  createWait(@Ctx() ctx: Context, @Arg('input', () => CreateWaitInput) input: CreateWaitInput): Promise<Wait> {
    return ctx.services.waits.create(ctx.principal.ownerId, input);
  }

  @Mutation(() => Wait, { description: 'Idempotent; CONFLICT when the wait already completed or timed out.' })
  cancelWait(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Wait> {
    return ctx.services.waits.cancel(ctx.principal.ownerId, id);
  }
}
