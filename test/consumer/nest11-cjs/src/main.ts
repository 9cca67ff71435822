import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  // SIGTERM has to drain running jobs and release their leases, as the library's README asks.
  app.enableShutdownHooks();
  await app.listen(process.env.PORT ?? 3000);
  // The consumer runner starts counting occurrences only once every process says this.
  console.log(`CONSUMER_READY ${JSON.stringify({ pid: process.pid })}`);
}
bootstrap();
